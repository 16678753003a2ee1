import { Field, ObjectType } from 'type-graphql';

/** Signed, short-lived URLs of the processed variants; null where the kind has no such variant or the viewer may not see it. */
@ObjectType('MediaVariants')
export class MediaVariants {
  @Field((_type) => String, { nullable: true, description: '250×250 cropped JPEG (images, video poster).' })
  thumbnail: string | null = null;

  @Field((_type) => String, { nullable: true, description: '800 px wide WebP (images).' })
  preview: string | null = null;

  @Field((_type) => String, { nullable: true, description: 'Video still, JPEG.' })
  poster: string | null = null;

  @Field((_type) => String, { nullable: true, description: 'Short looping preview, no audio.' })
  animatedPreview: string | null = null;

  @Field((_type) => String, { nullable: true, description: 'H.264/AAC web MP4.' })
  mp4: string | null = null;

  @Field((_type) => String, { nullable: true, description: 'HLS manifest (.m3u8).' })
  hls: string | null = null;

  @Field((_type) => String, { nullable: true, description: 'DASH manifest (.mpd), where the store makes one.' })
  dash: string | null = null;

  @Field((_type) => String, { nullable: true, description: 'Web-playable audio (AAC).' })
  audio: string | null = null;
}
