import * as z from 'zod';

/** zod at the workflow edge: each task checks the part of the state it relies on. */
const authorization = z.looseObject({
  referralId: z.string().min(1),
  round: z.number().int().min(0).optional(),
  informationNotReceived: z.boolean().optional(),
  reads: z
    .object({ memberId: z.string().min(1), year: z.number().int(), npis: z.array(z.string().min(1)) })
    .optional(),
});
const state = z.looseObject({});
const REVIEW_KINDS = z.enum(['INITIAL', 'CONTINUATION', 'APPEAL']);
export const WorkflowInput = {
  authorization,
  openReview: z.object({
    state,
    taskToken: z.string().min(1),
    kind: REVIEW_KINDS,
    escalated: z.boolean(),
  }),
  escalate: z.object({ state, kind: REVIEW_KINDS }),
  /** AuthorizationWorkflow › RequestInformation (.waitForTaskToken). */
  requestInformation: z.object({ state: authorization, taskToken: z.string().min(1) }),
  /** AppealWorkflow: started by POST /referrals/{id}/appeals. */
  appeal: z.looseObject({
    referralId: z.string().min(1),
    appealId: z.string().min(1),
    reviewTimeoutSeconds: z.number().int().min(1),
  }),
};
