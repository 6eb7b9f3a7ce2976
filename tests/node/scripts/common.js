'use strict';
// What every script shares: where ramsts is and whose key to sign with, from the environment,
// and one JSON object on standard output at the end.
//
//   RAMSTS_ENDPOINT                   host:port of the ramsts server (required)
//   RAMSTS_PROTOCOL                   http (default) or https
//   ALIBABA_CLOUD_ACCESS_KEY_ID       the AccessKey pair to sign with (required)
//   ALIBABA_CLOUD_ACCESS_KEY_SECRET
//
// A failed call the script expects is reported by outcome(), as {"error": {...}} with the code,
// HTTP status and RequestId the SDK surfaced; anything unexpected exits 1 with the stack.

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

function settings() {
  const protocol = process.env.RAMSTS_PROTOCOL || 'http';
  const endpoint = required('RAMSTS_ENDPOINT');
  return {
    endpoint,
    protocol,
    url: `${protocol}://${endpoint}`,
    accessKeyId: required('ALIBABA_CLOUD_ACCESS_KEY_ID'),
    accessKeySecret: required('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
  };
}

// The SDK error's code, HTTP status and RequestId, as each SDK generation carries them.
function describe(error) {
  const data = error.data || {};
  const entry = error.entry || {};
  return {
    code: error.code || data.Code || null,
    statusCode: error.statusCode || (entry.response && entry.response.statusCode) || null,
    requestId: data.RequestId || error.requestId || null,
    message: data.Message || error.message,
  };
}

// {"value": what call() resolved to} or {"error": describe(the error)}.
async function outcome(call) {
  try {
    return { value: await call() };
  } catch (error) {
    return { error: describe(error) };
  }
}

// Run main(settings()) and print what it resolves to as JSON.
function run(main) {
  main(settings()).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    },
    (error) => {
      process.stderr.write(`${error.stack || error}\n`);
      if (error.data) {
        process.stderr.write(`${JSON.stringify(error.data)}\n`);
      }
      process.exitCode = 1;
    },
  );
}

module.exports = { outcome, run };
