/**
 * A decorator over the Trellis port that writes one structured log line per permission check
 * (subject, resource, permission, result, revision, duration), for audit trails.
 */
import type { Logger } from 'pino';
import { formatObject, formatSubject } from '../../core/index.js';
import type { TrellisPort } from './trellis-port.js';

export function withDecisionLog(trellis: TrellisPort, logger: Logger): TrellisPort {
  const log = logger.child({ component: 'decision' });
  const check: TrellisPort['check'] = async (req) => {
    const started = performance.now();
    const r = await trellis.check(req);
    log.info(
      {
        resource: formatObject(req.resource),
        permission: req.permission,
        subject: formatSubject(req.subject),
        result: r.permissionship,
        revision: r.revision,
        checkedAt: r.checkedAt,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      },
      'check',
    );
    return r;
  };
  const checkBulk: TrellisPort['checkBulk'] = async (req) => {
    const started = performance.now();
    const r = await trellis.checkBulk(req);
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    req.items.forEach((item, i) => {
      const res = r.results[i];
      log.info(
        {
          resource: formatObject(item.resource),
          permission: item.permission,
          subject: formatSubject(item.subject),
          result: res === undefined ? 'missing' : res.ok ? res.permissionship : 'error',
          checkedAt: r.checkedAt,
          durationMs,
          bulk: true,
        },
        'check',
      );
    });
    return r;
  };
  // A Proxy (not a prototype copy) so methods still run with the real instance as `this`,
  // which matters when the class keeps private fields.
  return new Proxy(trellis, {
    get(target, prop) {
      if (prop === 'check') return check;
      if (prop === 'checkBulk') return checkBulk;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
