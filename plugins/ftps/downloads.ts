/** `ftps.downloads` (Kestra's ftps.Downloads): see plugins/fs/tasks.ts. */
import { ftpsProtocol } from '../fs/ftp-client.js';
import { downloadsTask } from '../fs/tasks.js';

export default downloadsTask(ftpsProtocol);
