import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { loadConfig, PlatformModule, type ServiceOptions } from '@weft/platform';
import { topics } from '@weft/xdm';
import { BatchEntity } from './batches/batch.entity';
import { BatchRunner } from './batches/batch-runner';
import { BatchesController, registerUploadParser } from './batches/batches.controller';
import { BatchesService } from './batches/batches.service';
import { CollectionController } from './collection/collection.controller';
import { registerCollectionBodyParser } from './collection/collection-body';
import { ingestionConfigSchema, type IngestionConfig } from './config';
import { DatasetEntity } from './datasets/dataset.entity';
import { DatasetsController } from './datasets/datasets.controller';
import { DatasetsService } from './datasets/datasets.service';
import { IngestErrorsController } from './ingest-errors/ingest-errors.controller';
import { IngestErrorsService } from './ingest-errors/ingest-errors.service';
import { IngestService } from './ingest/ingest.service';
import { InboundConsumer } from './inbound/inbound.consumer';
import { CreateIngestionTables1767225700000 } from './migrations/1767225700000-create-ingestion-tables';
import { FieldGroupEntity, XdmSchemaEntity } from './xdm-schemas/xdm-schema.entity';
import { XdmSchemasController } from './xdm-schemas/xdm-schemas.controller';
import { XdmSchemasService } from './xdm-schemas/xdm-schemas.service';

const entities = [XdmSchemaEntity, FieldGroupEntity, DatasetEntity, BatchEntity];

@Module({
  imports: [
    PlatformModule.forRoot({
      name: 'ingestion',
      configSchema: ingestionConfigSchema,
      database: { entities, migrations: [CreateIngestionTables1767225700000] },
      messaging: { produces: [topics.ingestAccepted, topics.ingestRejected], consumes: [] },
    }),
    TypeOrmModule.forFeature(entities),
  ],
  controllers: [XdmSchemasController, DatasetsController, CollectionController, IngestErrorsController, BatchesController],
  providers: [XdmSchemasService, DatasetsService, IngestErrorsService, IngestService, InboundConsumer, BatchesService, BatchRunner],
})
export class AppModule {}

/** How `main.ts` and the integration tests build the service. */
export function ingestionServiceOptions(): ServiceOptions {
  const config: IngestionConfig = loadConfig(ingestionConfigSchema);
  return {
    module: AppModule,
    title: 'Weft ingestion',
    bodyLimit: config.INGEST_BODY_LIMIT,
    configure: (app) => {
      registerCollectionBodyParser(app, config.INGEST_BODY_LIMIT);
      registerUploadParser(app);
    },
  };
}
