/** `sftp.download` (Kestra's sftp.Download): see plugins/fs/tasks.ts. */
import { sftpProtocol } from '../fs/sftp-client.js';
import { downloadTask } from '../fs/tasks.js';

export default downloadTask(sftpProtocol);
