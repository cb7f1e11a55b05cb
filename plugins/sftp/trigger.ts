/** The `sftp` trigger (Kestra's sftp.Trigger): see plugins/fs/trigger.ts. */
import { sftpProtocol } from '../fs/sftp-client.js';
import { fileTrigger } from '../fs/trigger.js';

export default fileTrigger(sftpProtocol);
