/** Connection URLs of the three databases, with Kestra's jdbc: forms, and no password in any message. */
import { describe, expect, it } from 'vitest';
import { parseConnection } from './connection.js';

describe('parseConnection', () => {
  it('reads PostgreSQL URLs, with or without jdbc:', () => {
    expect(parseConnection('postgres://u:p%40ss@db:5432/plant')).toEqual({
      dialect: 'postgres',
      url: 'postgres://u:p%40ss@db:5432/plant',
      username: 'u',
      password: 'p@ss',
      label: 'postgres://db:5432/plant',
    });
    expect(parseConnection('jdbc:postgresql://db/plant', 'tern', 'secret')).toMatchObject({
      dialect: 'postgres',
      url: 'postgres://db/plant',
      username: 'tern',
      password: 'secret',
    });
  });

  it('takes credentials from a JDBC query string out of the URL', () => {
    const c = parseConnection('jdbc:mysql://db:3306/plant?user=tern&password=secret&ssl=true');
    expect(c).toMatchObject({ dialect: 'mysql', url: 'mysql://db:3306/plant?ssl=true', username: 'tern' });
    expect(c).toMatchObject({ password: 'secret', label: 'mysql://db:3306/plant' });
  });

  it('treats mariadb:// as MySQL', () => {
    expect(parseConnection('jdbc:mariadb://db/plant')).toMatchObject({
      dialect: 'mysql',
      url: 'mysql://db/plant',
    });
  });

  it('lets username and password properties win over the URL’s', () => {
    expect(parseConnection('postgres://a:b@db/x', 'c', 'd')).toMatchObject({ username: 'c', password: 'd' });
  });

  it('reads SQLite paths in their usual spellings', () => {
    expect(parseConnection('sqlite:data.db')).toMatchObject({ dialect: 'sqlite', file: 'data.db' });
    expect(parseConnection('jdbc:sqlite:/var/lib/x.db')).toMatchObject({ file: '/var/lib/x.db' });
    expect(parseConnection('sqlite:///var/lib/x.db')).toMatchObject({ file: '/var/lib/x.db' });
    expect(parseConnection('sqlite::memory:')).toMatchObject({ file: ':memory:' });
  });

  it('refuses another scheme without repeating the URL', () => {
    expect(() => parseConnection('oracle://u:hunter2@db/x')).toThrow(
      'url: oracle: is not a supported database; use postgres://…, mysql://… (or mariadb://…) or sqlite:PATH',
    );
  });
});
