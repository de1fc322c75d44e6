import { answer } from '../../shared/answer.js';
import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { sfnTaskCallbacks } from '../../shared/aws/sfn.js';
import { httpHandler, requireRole } from '../../shared/http.js';
import type { DecisionAnswerSchema, ReviewDetailSchema, ReviewListSchema } from '../../shared/responses.js';
import { decideReview, getReviewDetail, listOpenReviews } from '../../shared/usecases/reviews.js';

const deps = { repo: tableRepository(), callbacks: sfnTaskCallbacks(), clock: systemClock };

export const handler = httpHandler({
  'GET /reviews': async (req) => {
    requireRole(req.caller, 'reviewer');
    return {
      status: 200,
      body: answer<typeof ReviewListSchema>()(await listOpenReviews(deps.repo, deps.clock, req.query.status)),
    };
  },
  'GET /reviews/{reviewId}': async (req) => {
    requireRole(req.caller, 'reviewer');
    return {
      status: 200,
      body: answer<typeof ReviewDetailSchema>()(
        await getReviewDetail(deps.repo, deps.clock, req.params.reviewId ?? ''),
      ),
    };
  },
  'POST /reviews/{reviewId}/decision': async (req) => {
    const reviewer = requireRole(req.caller, 'reviewer');
    return {
      status: 200,
      body: answer<typeof DecisionAnswerSchema>()(
        await decideReview(deps, reviewer, req.params.reviewId ?? '', req.body),
      ),
    };
  },
});
