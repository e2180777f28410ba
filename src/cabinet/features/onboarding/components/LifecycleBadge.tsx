import { Space, Tag, Tooltip } from 'antd';
import { CONFLICT, LIFECYCLE } from '../lib/labels';

/** A register's lifecycle badge (added → … → deregistered), and a conflict flag with its explanation. */
export function LifecycleBadge({ r }: { r: { lifecycle: string; conflict: string | null } }) {
  const l = LIFECYCLE[r.lifecycle] ?? { text: r.lifecycle, color: 'default' };
  return (
    <Space size={4} wrap>
      <Tag color={l.color} data-lifecycle={r.lifecycle}>
        {l.text}
      </Tag>
      {r.conflict ? (
        <Tooltip title={CONFLICT[r.conflict] ?? r.conflict}>
          <Tag color="error">Конфликт</Tag>
        </Tooltip>
      ) : null}
    </Space>
  );
}
