/**
 * URLs and code systems of Da Vinci PAS STU 2 (hl7.org/fhir/us/davinci-pas, version 2.2.1) and of
 * the desk's own artefacts. Taken from the IG's FSH sources, not guessed.
 */
export const PAS = 'http://hl7.org/fhir/us/davinci-pas';
export const PAS_VERSION = '2.2.1';
export const PAS_PROFILE = {
  requestBundle: `${PAS}/StructureDefinition/profile-pas-request-bundle`,
  responseBundle: `${PAS}/StructureDefinition/profile-pas-response-bundle`,
  inquiryResponseBundle: `${PAS}/StructureDefinition/profile-pas-inquiry-response-bundle`,
  claim: `${PAS}/StructureDefinition/profile-claim`,
  claimUpdate: `${PAS}/StructureDefinition/profile-claim-update`,
  claimResponse: `${PAS}/StructureDefinition/profile-claimresponse`,
  task: `${PAS}/StructureDefinition/profile-task`,
} as const;
export const PAS_EXTENSION = {
  reviewAction: `${PAS}/StructureDefinition/extension-reviewAction`,
  /** A sub-extension of reviewAction, named by its own canonical URL (FSH: `ReviewActionCode named code`). */
  reviewActionCode: `${PAS}/StructureDefinition/extension-reviewActionCode`,
  serviceLineNumber: `${PAS}/StructureDefinition/extension-serviceLineNumber`,
  /** PASClaimUpdate: UM02 certification type; code `3` cancels (the whole request, or an item). */
  certificationType: `${PAS}/StructureDefinition/extension-certificationType`,
  /** PASClaimUpdate: a modifier extension on an item or supportingInfo entry no longer to be used. */
  infoCancelled: `${PAS}/StructureDefinition/modifierextension-infoCancelled`,
} as const;
/** X12 306 "Action Code": A1 certified in total, A2 certified partial, A3 not certified, A4 pended. */
export const X12_ACTION_CODE_SYSTEM = 'https://codesystem.x12.org/005010/306';
export const PAS_TEMP_CODES = `${PAS}/CodeSystem/PASTempCodes`;
export const ADJUDICATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/adjudication';

export const SYSTEM = {
  npi: 'http://hl7.org/fhir/sid/us-npi',
  cpt: 'http://www.ama-assn.org/go/cpt',
  /** PAS: "HCPCS Level 1 Codes are the CPT codes", and X12 systems send them back as HCPCS. */
  hcpcs: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  claimType: 'http://terminology.hl7.org/CodeSystem/claim-type',
  processPriority: 'http://terminology.hl7.org/CodeSystem/processpriority',
} as const;

/** The desk's own canonical base (its Questionnaire, its reason-code system). */
export const DESK = 'https://prior-auth.example.org/fhir';
export const QUESTIONNAIRE_ID = 'massage-therapy';
export const QUESTIONNAIRE_URL = `${DESK}/Questionnaire/${QUESTIONNAIRE_ID}`;
/** SPEC 5.6 reason codes as a code system (PAS binds X12 886 here; the desk's codes are fixed by SPEC 5.6). */
export const REASON_CODE_SYSTEM = `${DESK}/CodeSystem/reason-code`;
/** Identifier system of the desk's member ids (Coverage.subscriberId carries the bare value). */
export const MEMBER_ID_SYSTEM = `${DESK}/sid/member-id`;
/** Identifier system of the authorization number (the referral id) the desk issues. */
export const REFERRAL_ID_SYSTEM = `${DESK}/sid/referral-id`;

export const FHIR_JSON = 'application/fhir+json';
