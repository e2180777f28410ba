/**
 * A clearable filter select, the same in every list's filter row: a label for screen readers, a placeholder that names
 * the "any" choice, and a fixed width (or any other Select prop passed through).
 */
import { Select } from 'antd';
import type { SelectProps } from 'antd';

export interface FilterSelectProps<V extends string | number> extends Omit<SelectProps<V>, 'onChange' | 'value'> {
  label: string;
  value: V | undefined;
  onChange: (value?: V) => void;
  width?: number | string;
}

export function FilterSelect<V extends string | number>({ label, width, style, onChange, ...rest }: FilterSelectProps<V>) {
  return <Select<V> aria-label={label} allowClear style={{ width, ...style }} onChange={(v?: V) => onChange(v)} {...rest} />;
}
