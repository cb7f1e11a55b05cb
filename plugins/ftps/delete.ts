/** `ftps.delete` (Kestra's ftps.Delete): see plugins/fs/tasks.ts. */
import { ftpsProtocol } from '../fs/ftp-client.js';
import { deleteTask } from '../fs/tasks.js';

export default deleteTask(ftpsProtocol);
