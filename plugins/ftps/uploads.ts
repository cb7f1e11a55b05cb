/** `ftps.uploads` (Kestra's ftps.Uploads): see plugins/fs/tasks.ts. */
import { ftpsProtocol } from '../fs/ftp-client.js';
import { uploadsTask } from '../fs/tasks.js';

export default uploadsTask(ftpsProtocol);
