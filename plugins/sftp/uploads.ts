/** `sftp.uploads` (Kestra's sftp.Uploads): see plugins/fs/tasks.ts. */
import { sftpProtocol } from '../fs/sftp-client.js';
import { uploadsTask } from '../fs/tasks.js';

export default uploadsTask(sftpProtocol);
