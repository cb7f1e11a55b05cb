/** `sftp.downloads` (Kestra's sftp.Downloads): see plugins/fs/tasks.ts. */
import { sftpProtocol } from '../fs/sftp-client.js';
import { downloadsTask } from '../fs/tasks.js';

export default downloadsTask(sftpProtocol);
