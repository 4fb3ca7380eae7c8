import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CompatibilityConfigEntity } from './compatibility-config.entity';
import { CompatibilityController } from './compatibility.controller';
import { ConfigController } from './config.controller';
import { RegistryService } from './registry.service';
import { SchemaEntity } from './schema.entity';
import { SchemasController } from './schemas.controller';
import { SubjectVersionEntity } from './subject-version.entity';
import { SubjectsController } from './subjects.controller';

export const registryEntities = [SchemaEntity, SubjectVersionEntity, CompatibilityConfigEntity];

@Module({
  imports: [TypeOrmModule.forFeature(registryEntities)],
  controllers: [SchemasController, SubjectsController, ConfigController, CompatibilityController],
  providers: [RegistryService],
})
export class RegistryModule {}
