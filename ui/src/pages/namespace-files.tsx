/** Namespace files: pick a namespace, list its files, view and edit one as text, upload new ones, delete. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { call, callBytes, type NamespaceFile } from '../api.js';
import { Card, Empty, ErrorBox, RelTime, useAsync, usePageTitle } from '../components/common.js';
import { bytes } from '../format.js';
import { setQuery, useLocation } from '../router.js';

/** Writes a file through the API's multipart form (Kestra's `fileContent` field). */
function writeFile(namespace: string, path: string, content: Blob): Promise<NamespaceFile> {
  const form = new FormData();
  form.set('fileContent', content, path.split('/').pop() ?? 'file');
  return call<NamespaceFile>(`/namespaces/${encodeURIComponent(namespace)}/files`, {
    method: 'PUT',
    form,
    query: { path },
  });
}

/** Text when the bytes are UTF-8, else undefined (a binary file is shown by size only). */
function asText(content: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return undefined;
  }
}

function FileEditor(props: { namespace: string; path: string; onChanged(): void }): JSX.Element {
  const { namespace, path } = props;
  const content = useAsync(
    () => callBytes(`/namespaces/${encodeURIComponent(namespace)}/files`, { path }),
    [namespace, path],
  );
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState<number | undefined>(undefined);
  const text = content.data && asText(content.data);
  const save = async () => {
    try {
      const info = await writeFile(namespace, path, new Blob([draft ?? text ?? '']));
      setSaved(info.revision);
      setError(undefined);
      props.onChanged();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete ${path}? Its revisions stay in the history.`)) return;
    try {
      await call(`/namespaces/${encodeURIComponent(namespace)}/files`, { method: 'DELETE', query: { path } });
      props.onChanged();
      setQuery({ path: undefined });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card
      title={<code>{path}</code>}
      actions={
        <>
          {text !== undefined && (
            <button type="button" class="primary" onClick={save} disabled={draft === undefined}>
              Save
            </button>
          )}
          <button type="button" class="danger" onClick={remove}>
            Delete
          </button>
        </>
      }
    >
      <ErrorBox error={content.error ?? error} />
      {saved !== undefined && <p class="muted small">Saved as revision {saved}.</p>}
      {content.data &&
        (text === undefined ? (
          <p class="muted">A binary file of {bytes(content.data.byteLength)}.</p>
        ) : (
          <textarea
            class="file-text"
            data-testid="file-text"
            aria-label={`Content of ${path}`}
            rows={18}
            spellcheck={false}
            value={draft ?? text}
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
        ))}
    </Card>
  );
}

export function NamespaceFilesPage(): JSX.Element {
  usePageTitle('Namespace files');
  const { query } = useLocation();
  const namespace = query.get('namespace') ?? '';
  const path = query.get('path') ?? '';
  const namespaces = useAsync((signal) => call<{ items: string[] }>('/namespaces', { signal }), []);
  const files = useAsync(
    (signal) =>
      namespace === ''
        ? Promise.resolve({ items: [] as NamespaceFile[] })
        : call<{ items: NamespaceFile[] }>(`/namespaces/${encodeURIComponent(namespace)}/files/directory`, {
            signal,
          }),
    [namespace],
  );
  const [folder, setFolder] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const upload = async (list: FileList | null) => {
    try {
      for (const file of list ? [...list] : []) {
        await writeFile(namespace, `${folder.replace(/^\/+|\/+$/g, '')}/${file.name}`, file);
      }
      setError(undefined);
      files.reload();
    } catch (err) {
      setError(err);
    }
  };
  const changed = () => {
    files.reload();
    namespaces.reload();
  };
  return (
    <div>
      <h1>Namespace files</h1>
      <div class="filters">
        <label>
          Namespace{' '}
          <input
            list="namespaces-with-files"
            data-testid="namespace-input"
            value={namespace}
            placeholder="company.team"
            onChange={(e) => setQuery({ namespace: e.currentTarget.value.trim(), path: undefined })}
          />
        </label>
        <datalist id="namespaces-with-files">
          {(namespaces.data?.items ?? []).map((ns) => (
            <option key={ns} value={ns} />
          ))}
        </datalist>
      </div>
      <ErrorBox error={namespaces.error ?? files.error ?? error} />
      {namespace !== '' && (
        <Card
          title={`Files of ${namespace}`}
          actions={
            <label class="upload">
              Folder{' '}
              <input
                size={12}
                value={folder}
                placeholder="/scripts"
                onInput={(e) => setFolder(e.currentTarget.value)}
              />{' '}
              <input
                type="file"
                multiple
                data-testid="upload"
                aria-label="Upload files"
                onChange={(e) => void upload(e.currentTarget.files)}
              />
            </label>
          }
        >
          {files.data && files.data.items.length === 0 ? (
            <Empty testId="no-files">
              No files in {namespace} yet: upload some here, PUT them through the API, or deploy a{' '}
              <code>_files/</code> folder with <code>tern deploy</code>.
            </Empty>
          ) : (
            <table class="table" data-testid="files">
              <thead>
                <tr>
                  <th>Path</th>
                  <th>Size</th>
                  <th>Revision</th>
                  <th>Updated</th>
                </tr>
              </thead>
              <tbody>
                {(files.data?.items ?? []).map((f) => (
                  <tr key={f.path} class={f.path === path ? 'selected' : undefined}>
                    <td>
                      <button type="button" class="link" onClick={() => setQuery({ path: f.path })}>
                        {f.path}
                      </button>
                    </td>
                    <td>{bytes(f.size)}</td>
                    <td>{f.revision}</td>
                    <td>
                      <RelTime iso={f.updatedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      )}
      {namespace !== '' && path !== '' && (
        <FileEditor key={`${namespace}/${path}`} namespace={namespace} path={path} onChanged={changed} />
      )}
    </div>
  );
}
