/** The desk's CapabilityStatement and its medical-necessity Questionnaire (SPEC 8). */
import type { CapabilityStatement, Questionnaire, QuestionnaireItem } from '@medplum/fhirtypes';
import { CONTRAINDICATIONS, INSTRUMENTS, PURPOSES } from '../schemas.js';
import { DESK, PAS, PAS_PROFILE, PAS_VERSION, QUESTIONNAIRE_ID, QUESTIONNAIRE_URL } from './constants.js';

const option = (system: string) => (code: string) => ({ valueCoding: { system, code } });

/**
 * linkIds are the field names of SPEC 4.1's `clinical` object, as SPEC 8 lists them, so an answer
 * maps onto the referral without a translation table.
 */
export function massageTherapyQuestionnaire(): Questionnaire {
  const item: QuestionnaireItem[] = [
    {
      linkId: 'purpose',
      text: 'Purpose of the massage therapy',
      type: 'choice',
      required: true,
      answerOption: PURPOSES.map(option(`${DESK}/CodeSystem/purpose`)),
    },
    { linkId: 'objectiveFindings', text: 'Objective findings', type: 'string', repeats: true },
    { linkId: 'functionalLimitations', text: 'Functional limitations', type: 'string', repeats: true },
    { linkId: 'therapeuticBenefit', text: 'Expected therapeutic benefit', type: 'text' },
    {
      linkId: 'expectedImprovementWeeks',
      text: 'Within how many weeks is significant improvement expected?',
      type: 'integer',
    },
    { linkId: 'terminal', text: 'Is the patient terminally ill?', type: 'boolean' },
    { linkId: 'comfortCare', text: 'Is the massage therapy comfort care?', type: 'boolean' },
    {
      linkId: 'contraindications',
      text: 'Contraindications present',
      type: 'choice',
      repeats: true,
      answerOption: CONTRAINDICATIONS.map(option(`${DESK}/CodeSystem/contraindication`)),
    },
    {
      linkId: 'outcomeMeasure',
      text: 'Outcome measure (the first is the primary one)',
      type: 'group',
      repeats: true,
      item: [
        {
          linkId: 'instrument',
          text: 'Instrument',
          type: 'choice',
          required: true,
          answerOption: Object.keys(INSTRUMENTS).map(option(`${DESK}/CodeSystem/outcome-instrument`)),
        },
        { linkId: 'score', text: 'Baseline score', type: 'decimal', required: true },
        { linkId: 'goal', text: 'Goal score', type: 'decimal' },
      ],
    },
    {
      linkId: 'planOfCareCertifiedOn',
      text: 'Plan of care certified on (Medicare members)',
      type: 'date',
    },
    {
      linkId: 'planOfCareCertifierNpi',
      text: 'NPI of the physician who certified the plan of care (Medicare members)',
      type: 'string',
    },
  ];
  return {
    resourceType: 'Questionnaire',
    id: QUESTIONNAIRE_ID,
    url: QUESTIONNAIRE_URL,
    name: 'MassageTherapyMedicalNecessity',
    title: 'Massage therapy: medical necessity',
    status: 'active',
    subjectType: ['Patient'],
    item,
  };
}

export function capabilityStatement(now: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: now,
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    implementationGuide: [`${PAS}/ImplementationGuide/hl7.fhir.us.davinci-pas|${PAS_VERSION}`],
    software: { name: 'massage-prior-auth' },
    implementation: {
      description: 'Massage therapy prior-authorization desk: Da Vinci PAS (subset, see docs/fhir.md)',
    },
    rest: [
      {
        mode: 'server',
        security: {
          description:
            'Bearer ID token from the health plan’s Cognito user pool (portal or reviewer); /metadata is open.',
        },
        resource: [
          {
            type: 'Claim',
            supportedProfile: [PAS_PROFILE.claim, PAS_PROFILE.claimUpdate],
            operation: [
              { name: 'submit', definition: `${PAS}/OperationDefinition/Claim-submit` },
              { name: 'inquire', definition: `${PAS}/OperationDefinition/Claim-inquiry` },
            ],
          },
          {
            type: 'ClaimResponse',
            supportedProfile: [PAS_PROFILE.claimResponse],
            interaction: [{ code: 'read' }],
          },
          { type: 'Questionnaire', interaction: [{ code: 'read' }] },
        ],
      },
    ],
  };
}
