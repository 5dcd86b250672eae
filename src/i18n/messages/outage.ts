/** The page served while PostgreSQL (or another service the page needs) is down. */
import { defineMessages } from '../define.ts';

export const outage = defineMessages({
  en: {
    'outage.title': 'Temporarily unavailable',
    'outage.body':
      'The catalog cannot reach its database at the moment. Nothing is lost: please try again in a minute.',
    'outage.retry': 'Try again',
    'outage.api': 'The catalog database is unavailable at the moment; try again shortly.',
  },
  zh: {
    'outage.title': '暂时无法访问',
    'outage.body': '目录暂时无法连接数据库，数据不会丢失。请一分钟后再试。',
    'outage.retry': '重试',
    'outage.api': '目录数据库暂时不可用，请稍后再试。',
  },
});
