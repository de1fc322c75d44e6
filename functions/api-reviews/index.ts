import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { sfnTaskCallbacks } from '../../shared/aws/sfn.js';
import { ForbiddenError } from '../../shared/errors.js';
import { httpHandler, requireRole } from '../../shared/http.js';
import { decideReview, getReviewDetail, listOpenReviews } from '../../shared/usecases/reviews.js';

const deps = { repo: tableRepository(), callbacks: sfnTaskCallbacks(), clock: systemClock };

export const handler = httpHandler({
  'GET /reviews': async (req) => {
    requireRole(req.caller, 'reviewer');
    return { status: 200, body: await listOpenReviews(deps.repo, deps.clock, req.query.status) };
  },
  'GET /reviews/{reviewId}': async (req) => {
    requireRole(req.caller, 'reviewer');
    return { status: 200, body: await getReviewDetail(deps.repo, deps.clock, req.params.reviewId ?? '') };
  },
  'POST /reviews/{reviewId}/decision': async (req) => {
    const reviewer = requireRole(req.caller, 'reviewer');
    // SPEC 7: the reviewer's credential is recorded; a reviewer without one cannot decide.
    if (!reviewer.credential)
      throw new ForbiddenError('Reviewers need a credential claim to decide reviews.');
    return { status: 200, body: await decideReview(deps, reviewer, req.params.reviewId ?? '', req.body) };
  },
});
