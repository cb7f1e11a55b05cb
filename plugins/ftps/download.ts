/** `ftps.download` (Kestra's ftps.Download): see plugins/fs/tasks.ts. */
import { ftpsProtocol } from '../fs/ftp-client.js';
import { downloadTask } from '../fs/tasks.js';

export default downloadTask(ftpsProtocol);
