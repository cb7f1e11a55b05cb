/** `ftps.upload` (Kestra's ftps.Upload): see plugins/fs/tasks.ts. */
import { ftpsProtocol } from '../fs/ftp-client.js';
import { uploadTask } from '../fs/tasks.js';

export default uploadTask(ftpsProtocol);
