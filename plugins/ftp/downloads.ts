/** `ftp.downloads` (Kestra's ftp.Downloads): see plugins/fs/tasks.ts. */
import { ftpProtocol } from '../fs/ftp-client.js';
import { downloadsTask } from '../fs/tasks.js';

export default downloadsTask(ftpProtocol);
