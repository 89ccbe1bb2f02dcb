/** One suggestion: what the list shows and what is written into the text. */
export interface Suggestion {
  readonly label: string;
  readonly detail?: string;
  /** The text that replaces the range (quotes included when the range had none). */
  readonly insert: string;
}

/** Suggestions for the cursor's place, and the range they replace. */
export interface Suggestions {
  readonly items: readonly Suggestion[];
  readonly start: number;
  readonly end: number;
  /** Whether to open while typing (inside a string already begun); otherwise only Ctrl+Space opens. */
  readonly whileTyping: boolean;
}

/**
 * Completion for a textarea: a listbox under it, opened as the user types in a completable place or
 * with Ctrl+Space; ArrowUp/ArrowDown move, Enter or Tab accepts, Escape closes. The textarea keeps
 * the focus; the active option is announced through `aria-activedescendant`.
 */
export function attachCompletion(
  editor: HTMLTextAreaElement,
  list: HTMLElement,
  provide: (text: string, offset: number) => Suggestions | undefined,
  changed: () => void,
): void {
  let current: Suggestions | undefined;
  let active = 0;

  const close = () => {
    current = undefined;
    list.hidden = true;
    list.replaceChildren();
    editor.setAttribute('aria-expanded', 'false');
    editor.removeAttribute('aria-activedescendant');
  };
  const render = () => {
    if (current === undefined) return;
    list.replaceChildren(
      ...current.items.map((s, i) => {
        const option = document.createElement('div');
        option.id = `completion-${i}`;
        option.setAttribute('role', 'option');
        option.setAttribute('aria-selected', String(i === active));
        option.textContent = s.label;
        if (s.detail !== undefined) {
          const detail = document.createElement('span');
          detail.className = 'detail';
          detail.textContent = ` ${s.detail}`;
          option.append(detail);
        }
        option.addEventListener('mousedown', (event) => {
          event.preventDefault();
          accept(i);
        });
        return option;
      }),
    );
    list.hidden = false;
    editor.setAttribute('aria-expanded', 'true');
    editor.setAttribute('aria-activedescendant', `completion-${active}`);
    list.children[active]?.scrollIntoView({ block: 'nearest' });
  };
  const open = (explicit: boolean) => {
    const found = provide(editor.value, editor.selectionStart);
    if (found === undefined || found.items.length === 0) return close();
    if (!explicit && (!found.whileTyping || editor.selectionStart !== editor.selectionEnd)) return close();
    current = found;
    active = 0;
    render();
  };
  const accept = (i: number) => {
    const s = current?.items[i];
    if (current === undefined || s === undefined) return;
    editor.setRangeText(s.insert, current.start, current.end, 'end');
    close();
    changed();
    editor.focus();
  };

  editor.setAttribute('aria-autocomplete', 'list');
  editor.setAttribute('aria-controls', list.id);
  editor.setAttribute('aria-expanded', 'false');
  editor.addEventListener('input', (event) => {
    if ((event as InputEvent).inputType?.startsWith('insert')) open(false);
    else close();
  });
  editor.addEventListener('blur', close);
  editor.addEventListener('keydown', (event) => {
    if (event.key === ' ' && event.ctrlKey) {
      event.preventDefault();
      return open(true);
    }
    if (current === undefined) return;
    const count = current.items.length;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      active = (active + (event.key === 'ArrowDown' ? 1 : count - 1)) % count;
      render();
    } else if ((event.key === 'Enter' && !event.ctrlKey && !event.metaKey) || event.key === 'Tab') {
      event.preventDefault();
      accept(active);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  });
}
