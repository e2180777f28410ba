import { DownOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Dropdown } from 'antd';
import { useNavigate } from 'react-router';
import { useSession, useSignOut } from '../../features/auth/api/session';

export function UserMenu() {
  const session = useSession();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const user = session.data?.user;
  const name = user?.fullName ?? user?.email ?? '';
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        items: [
          { key: 'email', label: user?.email ?? '', disabled: true },
          { type: 'divider' },
          { key: 'password', label: 'Сменить пароль' },
          { key: 'signature', label: 'Вход по ЭЦП' },
          { key: 'sign-out', label: 'Выйти', danger: true },
        ],
        onClick: ({ key }) => {
          if (key === 'password') void navigate('/account/password');
          if (key === 'signature') void navigate('/account/signature');
          if (key === 'sign-out') signOut.mutate(undefined, { onSettled: () => void navigate('/sign-in', { replace: true }) });
        },
      }}
    >
      <Button type="text" icon={<UserOutlined />} aria-label={`Пользователь ${name}: меню`} loading={signOut.isPending}>
        <span className="cabinet-header-user-name">{name}</span> <DownOutlined />
      </Button>
    </Dropdown>
  );
}
