import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** The Cognito groups the handlers authorize by (the `cognito:groups` claim). */
export const USER_GROUPS = ['portal', 'reviewer', 'admin'] as const;

/**
 * The users of the API: referral portals, clinical reviewers and administrators (SPEC 1, 2).
 * Accounts are created by an administrator only; every user signs in with a TOTP second factor,
 * since every role can read PHI.
 */
export class PortalUserPool extends Construct {
  public readonly userPool: cognito.UserPool;
  public readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'Resource', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        // Which portal a portal user acts for: the API scopes referrals by it.
        portalId: new cognito.StringAttribute({ mutable: true, minLen: 1, maxLen: 128 }),
        // A reviewer's licence (e.g. MD, PT), recorded with each decision.
        credential: new cognito.StringAttribute({ mutable: true, minLen: 2, maxLen: 8 }),
      },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      // Threat protection (compromised credentials, adaptive authentication) needs the Plus plan.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    for (const group of USER_GROUPS) {
      this.userPool.addGroup(`${group[0]?.toUpperCase()}${group.slice(1)}Group`, { groupName: group });
    }

    // Users may read their attributes but not write the ones that carry authority: portalId and
    // credential are set by an administrator, never by the user the token is issued to.
    this.client = this.userPool.addClient('PortalClient', {
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: true },
      // Portals sign in with SRP or password; no hosted-UI OAuth flows or callback URLs.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes('portalId', 'credential'),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true }),
    });
  }
}
