/**
 * Tabs as the WAI-ARIA tabs pattern: a tablist whose tabs say which one is
 * selected, arrow keys, Home and End to move between them (selecting as they
 * go), one tab stop for the whole list, and the panel named by its tab.
 */
import type { ComponentChildren, JSX } from 'preact';

export interface TabsProps<K extends string> {
  /** What the tabs choose between, for screen readers ("Flow views"). */
  label: string;
  /** Prefix of the element ids, unique on the page. */
  id: string;
  tabs: readonly (readonly [K, string])[];
  selected: K;
  onSelect(key: K): void;
}

const tabId = (id: string, key: string) => `${id}-tab-${key}`;
const panelId = (id: string) => `${id}-panel`;

/** The tablist. The caller keeps `selected` (in the URL) and renders the panel with {@link TabPanel}. */
export function Tabs<K extends string>(props: TabsProps<K>): JSX.Element {
  const { id, tabs, selected } = props;
  const move = (e: KeyboardEvent) => {
    const at = tabs.findIndex(([key]) => key === selected);
    const to =
      e.key === 'ArrowRight'
        ? (at + 1) % tabs.length
        : e.key === 'ArrowLeft'
          ? (at - 1 + tabs.length) % tabs.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? tabs.length - 1
              : undefined;
    if (to === undefined) return;
    e.preventDefault();
    const key = tabs[to]![0];
    props.onSelect(key);
    document.getElementById(tabId(id, key))?.focus();
  };
  return (
    <div class="tabs" role="tablist" aria-label={props.label} onKeyDown={move}>
      {tabs.map(([key, text]) => (
        <button
          type="button"
          role="tab"
          key={key}
          id={tabId(id, key)}
          class={key === selected ? 'tab active' : 'tab'}
          aria-selected={key === selected}
          aria-controls={panelId(id)}
          tabIndex={key === selected ? 0 : -1}
          onClick={() => props.onSelect(key)}
        >
          {text}
        </button>
      ))}
    </div>
  );
}

/** The selected tab's panel. */
export function TabPanel(props: { id: string; selected: string; children: ComponentChildren }): JSX.Element {
  return (
    <div role="tabpanel" id={panelId(props.id)} aria-labelledby={tabId(props.id, props.selected)}>
      {props.children}
    </div>
  );
}
