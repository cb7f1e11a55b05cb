/** `ftp.uploads` (Kestra's ftp.Uploads): see plugins/fs/tasks.ts. */
import { ftpProtocol } from '../fs/ftp-client.js';
import { uploadsTask } from '../fs/tasks.js';

export default uploadsTask(ftpProtocol);
