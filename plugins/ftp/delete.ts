/** `ftp.delete` (Kestra's ftp.Delete): see plugins/fs/tasks.ts. */
import { ftpProtocol } from '../fs/ftp-client.js';
import { deleteTask } from '../fs/tasks.js';

export default deleteTask(ftpProtocol);
