/** `ftp.upload` (Kestra's ftp.Upload): see plugins/fs/tasks.ts. */
import { ftpProtocol } from '../fs/ftp-client.js';
import { uploadTask } from '../fs/tasks.js';

export default uploadTask(ftpProtocol);
