// Node 20 lacks Promise.withResolvers (added in Node 22); aws-local-stepfunctions calls it for every
// Task state. Import this module before anything that loads the library.
const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= () => {
  let resolve: unknown;
  let reject: unknown;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
