/** `ftp.list` (Kestra's ftp.List): see plugins/fs/tasks.ts. */
import { ftpProtocol } from '../fs/ftp-client.js';
import { listTask } from '../fs/tasks.js';

export default listTask(ftpProtocol);
