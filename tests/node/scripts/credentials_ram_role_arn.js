'use strict';
// @alicloud/credentials with type ram_role_arn: it calls AssumeRole itself, always over https
// (https:// + stsEndpoint, whatever RAMSTS_PROTOCOL says), and renews the credentials before
// they expire; a Tea client and a pop-core client sign with them. The session policy it sends
// allows ram:ListUsers alone, so GetUser is refused.
//   NODE_EXTRA_CA_CERTS=ca.pem node credentials_ram_role_arn.js ROLE_ARN
const Credential = require('@alicloud/credentials');
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const RPCClient = require('@alicloud/pop-core');
const Ram = require('@alicloud/ram20150501');
const Sts = require('@alicloud/sts20150401');
const { outcome, run } = require('./common');

run(async ({ endpoint, accessKeyId, accessKeySecret }) => {
  const [roleArn] = process.argv.slice(2);
  const credential = new Credential.default(
    new Credential.Config({
      type: 'ram_role_arn',
      accessKeyId,
      accessKeySecret,
      roleArn,
      roleSessionName: 'node-credentials',
      durationSeconds: 900,
      stsEndpoint: endpoint,
      // A session policy, sent in the form body: the session may list users, nothing more.
      policy: JSON.stringify({
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'ram:ListUsers', Resource: '*' }],
      }),
    }),
  );
  const current = await credential.getCredential();
  const config = new $OpenApiUtil.Config({ credential, endpoint, protocol: 'https' });
  const identity = await new Sts.default(config).getCallerIdentity();
  const ram = new Ram.default(config);
  const users = await ram.listUsers(new Ram.ListUsersRequest({}));
  const outsidePolicy = await outcome(() =>
    ram.getUser(new Ram.GetUserRequest({ userName: users.body.users.user[0].userName })),
  );
  const popCore = new RPCClient({
    endpoint: `https://${endpoint}`,
    apiVersion: '2015-04-01',
    credentialsProvider: {
      getCredentials: async () => {
        const { accessKeyId, accessKeySecret, securityToken } = await credential.getCredential();
        return { accessKeyId, accessKeySecret, securityToken };
      },
    },
  });
  return {
    credential: {
      type: current.type,
      accessKeyId: current.accessKeyId,
      hasSecurityToken: Boolean(current.securityToken),
    },
    identity: identity.body,
    userNames: users.body.users.user.map((user) => user.userName),
    outsidePolicy,
    popCoreIdentity: await popCore.request('GetCallerIdentity', {}),
  };
});
