import * as z from 'zod';

/** zod at the workflow edge: each task checks the part of the state it relies on. */
const authorization = z.looseObject({ referralId: z.string().min(1) });
const state = z.looseObject({});
export const WorkflowInput = {
  authorization,
  openReview: z.object({
    state,
    taskToken: z.string().min(1),
    kind: z.enum(['INITIAL', 'CONTINUATION']),
    escalated: z.boolean(),
  }),
  escalate: z.object({ state, kind: z.enum(['INITIAL', 'CONTINUATION']) }),
};
