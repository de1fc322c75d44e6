// What any bundle costs to import: Node's own modules a Lambda handler loads (http, crypto).

import { createHash } from 'node:crypto';
import { request } from 'node:http';

export const handler = async () => [typeof request, createHash('sha256').digest('hex')];
