'use strict';
// The Tea SDKs @alicloud/sts20150401 and @alicloud/ram20150501 (signature V3,
// ACS3-HMAC-SHA256, by default) against ramsts:
//   node tea_clients.js ROLE_ARN NEW_USER_NAME
// AssumeRole with a session policy and GetCallerIdentity with the temporary credentials; CreateUser and GetUser; the
// same GetCallerIdentity signed RPC v1 (signatureAlgorithm 'v2'); and two refusals: GetUser of a
// user that does not exist, CreateUser with the read-only role's credentials.
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const Ram = require('@alicloud/ram20150501');
const Sts = require('@alicloud/sts20150401');
const { outcome, run } = require('./common');

run(async ({ endpoint, protocol, accessKeyId, accessKeySecret }) => {
  const [roleArn, userName] = process.argv.slice(2);
  const config = (key, extra) =>
    new $OpenApiUtil.Config({ endpoint, protocol, regionId: 'cn-hangzhou', ...key, ...extra });
  const longTerm = { accessKeyId, accessKeySecret };
  const sts = new Sts.default(config(longTerm));
  const ram = new Ram.default(config(longTerm));

  // A session policy: JSON, with quotes, colons and asterisks, in the signed query.
  const policy = JSON.stringify({
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['ram:Get*', 'ram:List*', 'ram:Create*'], Resource: '*' }],
  });
  const assumed = await sts.assumeRole(
    new Sts.AssumeRoleRequest({ roleArn, roleSessionName: 'node-tea', durationSeconds: 900, policy }),
  );
  const credentials = assumed.body.credentials;
  const session = {
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    securityToken: credentials.securityToken,
  };
  const sessionIdentity = await new Sts.default(config(session)).getCallerIdentity();
  const v1Identity = await new Sts.default(
    config(longTerm, { signatureAlgorithm: 'v2' }),
  ).getCallerIdentity();
  const created = await ram.createUser(
    new Ram.CreateUserRequest({ userName, displayName: 'Node 用户 + Tea', comments: 'a&b=c d/e' }),
  );
  const got = await ram.getUser(new Ram.GetUserRequest({ userName }));
  const missing = await outcome(() =>
    ram.getUser(new Ram.GetUserRequest({ userName: 'nobody-here' })),
  );
  const denied = await outcome(() =>
    new Ram.default(config(session)).createUser(
      new Ram.CreateUserRequest({ userName: `${userName}-2` }),
    ),
  );
  return {
    assumed: {
      statusCode: assumed.statusCode,
      accessKeyId: credentials.accessKeyId,
      expiration: credentials.expiration,
      arn: assumed.body.assumedRoleUser.arn,
    },
    sessionIdentity: sessionIdentity.body,
    v1Identity: v1Identity.body,
    created: created.body.user,
    got: got.body.user,
    missing,
    denied,
  };
});
