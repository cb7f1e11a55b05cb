/** `ftps.list` (Kestra's ftps.List): see plugins/fs/tasks.ts. */
import { ftpsProtocol } from '../fs/ftp-client.js';
import { listTask } from '../fs/tasks.js';

export default listTask(ftpsProtocol);
