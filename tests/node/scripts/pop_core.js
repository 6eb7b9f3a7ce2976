'use strict';
// @alicloud/pop-core (RPC signature v1, HMAC-SHA1) against ramsts:
//   node pop_core.js ROLE_ARN NEW_USER_NAME
// GetCallerIdentity; AssumeRole and GetCallerIdentity with the temporary credentials; RAM
// CreateUser (a display name with spaces and non-ASCII), ListUsers, CreatePolicy (a JSON document,
// POSTed); and two refusals: GetUser of a user that does not exist, CreateUser with the read-only
// role's credentials.
const RPCClient = require('@alicloud/pop-core');
const { outcome, run } = require('./common');

run(async ({ url, accessKeyId, accessKeySecret }) => {
  const [roleArn, userName] = process.argv.slice(2);
  const client = (apiVersion, key) => new RPCClient({ endpoint: url, apiVersion, ...key });
  const longTerm = { accessKeyId, accessKeySecret };
  const sts = client('2015-04-01', longTerm);
  const ram = client('2015-05-01', longTerm);

  const identity = await sts.request('GetCallerIdentity', {});
  const assumed = await sts.request(
    'AssumeRole',
    { RoleArn: roleArn, RoleSessionName: 'node-pop-core', DurationSeconds: 900 },
    { method: 'POST' },
  );
  const credentials = assumed.Credentials;
  const session = {
    accessKeyId: credentials.AccessKeyId,
    accessKeySecret: credentials.AccessKeySecret,
    securityToken: credentials.SecurityToken,
  };
  const sessionIdentity = await client('2015-04-01', session).request('GetCallerIdentity', {});
  const created = await ram.request(
    'CreateUser',
    { UserName: userName, DisplayName: 'Node 用户 + pop-core', Comments: 'a&b=c d/e' },
    { method: 'POST' },
  );
  const users = await ram.request('ListUsers', { MaxItems: 100 });
  const document = {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['ram:Get*', 'ram:List*'], Resource: 'acs:ram:*:*:user/*' }],
  };
  const policy = await ram.request(
    'CreatePolicy',
    { PolicyName: `${userName}-policy`, PolicyDocument: JSON.stringify(document), Description: 'ümlaut & "quotes"' },
    { method: 'POST' },
  );
  const missing = await outcome(() => ram.request('GetUser', { UserName: 'nobody-here' }));
  const denied = await outcome(() =>
    client('2015-05-01', session).request('CreateUser', { UserName: `${userName}-2` }),
  );
  return {
    identity,
    assumed: {
      accessKeyId: credentials.AccessKeyId,
      expiration: credentials.Expiration,
      arn: assumed.AssumedRoleUser.Arn,
    },
    sessionIdentity,
    created: created.User,
    userNames: users.Users.User.map((user) => user.UserName),
    policy: policy.Policy,
    missing,
    denied,
  };
});
