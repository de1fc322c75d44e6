/**
 * KMS for the local stack: Encrypt and Decrypt (TrentService, awsJson1_1), the two calls the
 * handlers make, under one local 256-bit key kept in the data directory. AES-256-GCM with the
 * encryption context as additional data, so, as on AWS, a ciphertext opens only with the context
 * it was sealed with.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type AwsJsonHandler, awsJsonError } from './sfn-endpoint.js';

const aad = (context: unknown) =>
  Buffer.from(JSON.stringify(Object.entries((context ?? {}) as Record<string, string>).sort()));

/** `keyId` is the template's key (the handlers' SECRET_KEY_ID); the ciphertext is iv | tag | data. */
export function createKmsProtocolHandler(masterKey: Buffer, keyId: string): AwsJsonHandler {
  return async (target, body) => {
    const input = body as { Plaintext?: string; CiphertextBlob?: string; EncryptionContext?: unknown };
    const answer = (data: Record<string, string>) => ({
      status: 200,
      body: { ...data, KeyId: keyId, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
    });
    if (target === 'TrentService.Encrypt') {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', masterKey, iv).setAAD(aad(input.EncryptionContext));
      const data = Buffer.concat([
        cipher.update(Buffer.from(String(input.Plaintext), 'base64')),
        cipher.final(),
      ]);
      return answer({ CiphertextBlob: Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64') });
    }
    const blob = Buffer.from(String(input.CiphertextBlob), 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', masterKey, blob.subarray(0, 12))
        .setAAD(aad(input.EncryptionContext))
        .setAuthTag(blob.subarray(12, 28));
      const plaintext = Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]);
      return answer({ Plaintext: plaintext.toString('base64') });
    } catch {
      return awsJsonError(
        'InvalidCiphertextException',
        'The ciphertext or its encryption context is not valid',
      );
    }
  };
}
