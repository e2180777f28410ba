import { Result } from 'antd';
import { PageHeader } from './PageHeader';

/** A section whose screens land in a later issue (the shell registers its menu item already). */
export function ComingSoon({ title, hint }: { title: string; hint: string }) {
  return (
    <>
      <PageHeader title={title} />
      <Result status="info" title="Раздел готовится" subTitle={hint} />
    </>
  );
}
