/** `ftp.move` (Kestra's ftp.Move): see plugins/fs/tasks.ts. */
import { ftpProtocol } from '../fs/ftp-client.js';
import { moveTask } from '../fs/tasks.js';

export default moveTask(ftpProtocol);
