import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryQueue, SecretBox } from '../usecases/notifications.js';
import { SDK_COMMAND_CLIENT_CONFIG } from './sdk-config.js';

/** Clients built once per module (cold start); endpoints from AWS_ENDPOINT_URL_* as everywhere else. */
let kms: KMSClient | undefined;
let sqs: SQSClient | undefined;
const kmsClient = () => {
  kms ??= new KMSClient(SDK_COMMAND_CLIENT_CONFIG);
  return kms;
};
const sqsClient = () => {
  sqs ??= new SQSClient(SDK_COMMAND_CLIENT_CONFIG);
  return sqs;
};

/**
 * Webhook secrets encrypted directly under the data key (a secret is 50 bytes, well under KMS's
 * 4 KiB), bound to the portal by the encryption context: a ciphertext copied to another portal's
 * item does not decrypt.
 */
export function kmsSecretBox(keyId: string): SecretBox {
  return {
    async seal(plaintext, context) {
      const res = await kmsClient().send(
        new EncryptCommand({
          KeyId: keyId,
          Plaintext: Buffer.from(plaintext, 'utf8'),
          EncryptionContext: context,
        }),
      );
      if (!res.CiphertextBlob) throw new Error('KMS returned no ciphertext');
      return Buffer.from(res.CiphertextBlob).toString('base64');
    },
    async open(ciphertext, context) {
      const res = await kmsClient().send(
        new DecryptCommand({
          KeyId: keyId,
          CiphertextBlob: Buffer.from(ciphertext, 'base64'),
          EncryptionContext: context,
        }),
      );
      if (!res.Plaintext) throw new Error('KMS returned no plaintext');
      return Buffer.from(res.Plaintext).toString('utf8');
    },
  };
}

export function sqsDeliveryQueue(queueUrl: string): DeliveryQueue {
  return {
    async send(message) {
      await sqsClient().send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }),
      );
    },
    async retryLater(receiptHandle, seconds) {
      await sqsClient().send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    },
  };
}
