/**
 * The gRPC load generator: one @authzed/authzed-node client (one HTTP/2 connection, as an
 * application would hold) issuing CheckPermission at a fixed concurrency.
 */
import { v1 } from '@authzed/authzed-node';
import type { CheckQuestion } from '../datasets/dataset.js';
import { measureConcurrent, type Measurement, type MeasureOptions } from '../harness/measure.js';

export type AuthzedClient = ReturnType<typeof v1.NewClient>;

export function connect(port: number, token = 'bench'): AuthzedClient {
  return v1.NewClient(token, `127.0.0.1:${port}`, v1.ClientSecurity.INSECURE_PLAINTEXT_CREDENTIALS);
}

export function checkRequest(q: CheckQuestion): v1.CheckPermissionRequest {
  return v1.CheckPermissionRequest.create({
    resource: v1.ObjectReference.create({ objectType: q.resource.type, objectId: q.resource.id }),
    permission: q.permission,
    subject: v1.SubjectReference.create({
      object: v1.ObjectReference.create({ objectType: q.subject.type, objectId: q.subject.id }),
      ...(q.subject.relation ? { optionalRelation: q.subject.relation } : {}),
    }),
  });
}

export interface LoadResult {
  readonly measurement: Measurement;
  /** Questions whose answer differed from the reference (absent reference: not checked). */
  readonly wrong: number;
}

export async function runCheckLoad(
  client: AuthzedClient,
  questions: readonly CheckQuestion[],
  reference: readonly boolean[] | undefined,
  concurrency: number,
  options: MeasureOptions,
): Promise<LoadResult> {
  const requests = questions.map(checkRequest);
  let wrong = 0;
  const measurement = await measureConcurrent(
    async (i) => {
      const k = i % requests.length;
      const res = await client.promises.checkPermission(requests[k] as v1.CheckPermissionRequest);
      const allowed = res.permissionship === v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION;
      if (reference && allowed !== reference[k]) wrong++;
    },
    concurrency,
    options,
  );
  return { measurement, wrong };
}
