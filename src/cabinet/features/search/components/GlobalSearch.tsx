/**
 * The header's search box: registers (РН), FN, receipts by ФП / ФД / amount / buyer e-mail or phone / marking code /
 * item, organizations by INN, outlets by address, team members by name, e-mail or phone (for those who manage the team). Keyboard: `/` focuses it, ↑ ↓ pick a result, Enter opens it, Esc closes the list.
 */
import { SearchOutlined } from '@ant-design/icons';
import { AutoComplete, Input } from 'antd';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { errorText } from '../../../lib/api/errors';
import { useDebounced } from '../../../lib/use-debounced';
import { cabinetPathOf, useSearch } from '../api/search';

const SEARCH_ID = 'global-search';
const GROUP: Record<string, string> = {
  organization: 'Организации',
  register: 'Кассы',
  fiscalDrive: 'Фискальные накопители',
  outlet: 'Торговые точки',
  user: 'Сотрудники',
  document: 'Документы',
};

/** `/` anywhere outside a text field focuses the element with this id. */
function useSlashFocus(id: string) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.key === '/' && !(target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable))) {
        e.preventDefault();
        // By id: AutoComplete clones its input and keeps the ref for itself.
        document.getElementById(id)?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [id]);
}

/** The search's hits that have a page in the cabinet, grouped by kind as the list's option groups. */
function useSearchResults(q: string) {
  const search = useSearch(q);
  const hits = (search.data?.items ?? []).flatMap((h) => {
    const to = cabinetPathOf(h);
    return to === undefined ? [] : [{ ...h, to }];
  });
  const groups = [...new Set(hits.map((h) => h.type))];
  const options = groups.map((g) => ({
    label: GROUP[g] ?? g,
    options: hits.filter((h) => h.type === g).map((h) => ({ value: h.to, label: <span data-testid="search-hit">{h.title}</span> })),
  }));
  const status =
    q.trim().length < 2
      ? undefined
      : search.isFetching
        ? 'Ищем…'
        : search.error
          ? errorText(search.error)
          : hits.length === 0
            ? 'Ничего не найдено. Поиск понимает РН и ФН (16 цифр), заводской номер, адрес точки, ФП, ФД, сумму (181,00), e-mail или телефон покупателя, код маркировки, название товара, ИНН.'
            : undefined;
  return { options, status };
}

export function GlobalSearch() {
  const [text, setText] = useState('');
  const q = useDebounced(text, 250);
  const { options, status } = useSearchResults(q);
  const navigate = useNavigate();
  useSlashFocus(SEARCH_ID);

  return (
    <AutoComplete
      value={text}
      options={options}
      onChange={setText}
      onSelect={(to: string) => {
        setText('');
        void navigate(to);
      }}
      notFoundContent={status}
      style={{ width: '100%' }}
      popupMatchSelectWidth={false}
    >
      <Input
        id={SEARCH_ID}
        prefix={<SearchOutlined aria-hidden />}
        placeholder="Поиск: РН, ФН, ФП, ФД, сумма, e-mail покупателя, код маркировки…"
        aria-label="Поиск по кассам, чекам и организациям"
        allowClear
      />
    </AutoComplete>
  );
}
