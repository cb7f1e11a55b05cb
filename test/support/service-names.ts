/** The services tests run against, by the variable that gives each one's address; no vitest here, so the reporter can load it. */

export type ServiceVariable =
  | 'TERN_TEST_PG_URL'
  | 'TERN_TEST_MQTT_URL'
  | 'TERN_TEST_KAFKA_BROKERS'
  | 'TERN_TEST_MYSQL_URL'
  | 'TERN_TEST_AMQP_URL'
  | 'TERN_TEST_SFTP_URL'
  | 'TERN_TEST_FTP_URL'
  | 'DOCKER_HOST'
  | 'TERN_TEST_CHROMIUM';

/** What each variable names, for the reasons printed when its tests are skipped. */
export const SERVICE_NAMES: Record<ServiceVariable, string> = {
  TERN_TEST_PG_URL: 'PostgreSQL',
  TERN_TEST_MQTT_URL: 'Mosquitto',
  TERN_TEST_KAFKA_BROKERS: 'Kafka',
  TERN_TEST_MYSQL_URL: 'MariaDB',
  TERN_TEST_AMQP_URL: 'RabbitMQ',
  TERN_TEST_SFTP_URL: 'the SFTP server',
  TERN_TEST_FTP_URL: 'the FTP server',
  DOCKER_HOST: 'the container engine',
  TERN_TEST_CHROMIUM: 'Chromium',
};

/**
 * Addresses a skipped suite is collected with: well-formed, so that code run
 * while its tests are listed (`new URL(address)`) works, and never reached.
 */
export const UNREACHABLE: Record<ServiceVariable, string> = {
  TERN_TEST_PG_URL: 'postgres://skipped@127.0.0.1:1/skipped',
  TERN_TEST_MQTT_URL: 'mqtt://127.0.0.1:1',
  TERN_TEST_KAFKA_BROKERS: '127.0.0.1:1',
  TERN_TEST_MYSQL_URL: 'mysql://skipped@127.0.0.1:1/skipped',
  TERN_TEST_AMQP_URL: 'amqp://skipped@127.0.0.1:1',
  TERN_TEST_SFTP_URL: 'sftp://skipped:skipped@127.0.0.1:1',
  TERN_TEST_FTP_URL: 'ftp://skipped:skipped@127.0.0.1:1',
  DOCKER_HOST: 'unix:///nonexistent/docker.sock',
  TERN_TEST_CHROMIUM: '/nonexistent/chromium',
};

/** The marker in a skipped suite's name that the skipped-services reporter counts by. */
export const SKIPPED_MARK = ' — skipped: ';
