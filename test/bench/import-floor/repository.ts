// The table repository as the functions build it: the client, the data layer and its record schemas.
import { tableRepository } from '../../../shared/aws/runtime.js';

const repo = tableRepository();
export const handler = async () => repo.getReferral('x');
