/**
 * KMS for the local stack: Encrypt and Decrypt (TrentService, awsJson1_1) — the two calls the
 * handlers make — under one local 256-bit key kept in the data directory. AES-256-GCM with the
 * encryption context as additional data, so, as on AWS, a ciphertext opens only with the context
 * it was sealed with.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AwsJsonHandler } from './sfn-endpoint.js';

const MAGIC = Buffer.from('LKMS1');

export function loadOrCreateKmsKey(file: string): Buffer {
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  const key = randomBytes(32);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  return key;
}

function aad(keyId: string, context: unknown): Buffer {
  const entries = Object.entries((context ?? {}) as Record<string, string>).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  return Buffer.from(JSON.stringify([keyId, entries]));
}

const error = (type: string, message: string) => ({ status: 400, body: { __type: type, message } });

export function createKmsProtocolHandler(masterKey: Buffer, knownKeyIds: readonly string[]): AwsJsonHandler {
  // Key ids as the template gives them (ARN or id); a ciphertext records which one sealed it.
  const known = (id: unknown) => typeof id === 'string' && knownKeyIds.includes(id);
  return async (target, body) => {
    const input = (body ?? {}) as Record<string, unknown>;
    if (target === 'TrentService.Encrypt') {
      if (!known(input.KeyId))
        return error('NotFoundException', `Key '${String(input.KeyId)}' does not exist`);
      const keyId = input.KeyId as string;
      const plaintext = Buffer.from(String(input.Plaintext ?? ''), 'base64');
      if (plaintext.length === 0 || plaintext.length > 4096) {
        return error('ValidationException', 'Plaintext must be 1 to 4096 bytes');
      }
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
      cipher.setAAD(aad(keyId, input.EncryptionContext));
      const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      const id = Buffer.from(keyId);
      const blob = Buffer.concat([
        MAGIC,
        Buffer.from([id.length >> 8, id.length & 255]),
        id,
        iv,
        cipher.getAuthTag(),
        sealed,
      ]);
      return {
        status: 200,
        body: {
          CiphertextBlob: blob.toString('base64'),
          KeyId: keyId,
          EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        },
      };
    }
    if (target === 'TrentService.Decrypt') {
      const blob = Buffer.from(String(input.CiphertextBlob ?? ''), 'base64');
      try {
        if (!blob.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not ours');
        let at = MAGIC.length;
        const idLength = ((blob[at] ?? 0) << 8) | (blob[at + 1] ?? 0);
        at += 2;
        const keyId = blob.subarray(at, at + idLength).toString();
        at += idLength;
        if (input.KeyId !== undefined && input.KeyId !== keyId) {
          return error(
            'IncorrectKeyException',
            'The key ID in the request does not identify the key that encrypted it',
          );
        }
        const iv = blob.subarray(at, at + 12);
        const tag = blob.subarray(at + 12, at + 28);
        const decipher = createDecipheriv('aes-256-gcm', masterKey, iv);
        decipher.setAAD(aad(keyId, input.EncryptionContext));
        decipher.setAuthTag(tag);
        const plaintext = Buffer.concat([decipher.update(blob.subarray(at + 28)), decipher.final()]);
        return {
          status: 200,
          body: {
            Plaintext: plaintext.toString('base64'),
            KeyId: keyId,
            EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
          },
        };
      } catch {
        return error('InvalidCiphertextException', 'The ciphertext or its encryption context is not valid');
      }
    }
    return error('UnsupportedOperationException', `The local stack does not offer ${target}`);
  };
}
