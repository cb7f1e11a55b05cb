/** `ftps.move` (Kestra's ftps.Move): see plugins/fs/tasks.ts. */
import { ftpsProtocol } from '../fs/ftp-client.js';
import { moveTask } from '../fs/tasks.js';

export default moveTask(ftpsProtocol);
