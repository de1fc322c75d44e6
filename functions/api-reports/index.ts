import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { httpHandler, requireRole } from '../../shared/http.js';
import { reportCsv } from '../../shared/report.js';
import { getPriorAuthorizationReport } from '../../shared/usecases/reports.js';

const repo = tableRepository();

export const handler = httpHandler({
  // SPEC 12: the CMS-0057-F measures, JSON or (Accept: text/csv) CSV.
  'GET /reports/prior-authorization': async (req) => {
    requireRole(req.caller, 'admin');
    const report = await getPriorAuthorizationReport(repo, systemClock, req.query.year);
    if ((req.headers.accept ?? '').includes('text/csv')) {
      return {
        status: 200,
        text: reportCsv(report),
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="prior-authorization-${report.year}.csv"`,
        },
      };
    }
    return { status: 200, body: report };
  },
});
