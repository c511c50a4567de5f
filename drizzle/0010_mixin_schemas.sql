ALTER TABLE `addresses` ADD `mixin_schemas` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `mixin_schemas` text;