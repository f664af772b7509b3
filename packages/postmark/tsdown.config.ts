import { packageConfig } from '../../tsdown.config.base.ts';

export default packageConfig({ index: 'src/index.ts', client: 'src/client.ts' });
