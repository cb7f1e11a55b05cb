/** `ftp.download` (Kestra's ftp.Download): see plugins/fs/tasks.ts. */
import { ftpProtocol } from '../fs/ftp-client.js';
import { downloadTask } from '../fs/tasks.js';

export default downloadTask(ftpProtocol);
