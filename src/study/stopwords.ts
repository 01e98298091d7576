/**
 * Words that never make a feature name: English function words, plus the vocabulary of the study's own
 * instructions ("the focus of the red region in the highlighted visual attributes is on the main object"), which
 * annotators repeat in nearly every answer.
 */
const ENGLISH = `a about above after again against all almost also am an and any are aren't as at be because been
before being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
during each either else even ever every few for from further had hadn't has hasn't have haven't having he her here
hers herself him himself his how however i i'm if in into is isn't it it's its itself just least less like likely
lot lots may me might mine more most much must my myself neither no nor not now of off often on once one only or
other others ought our ours ourselves out over own per perhaps quite rather really same she should shouldn't since
so some somewhat something such than that that's the their theirs them themselves then there there's these they
they're this those though through thus to too toward towards under until up upon us very via was wasn't we were
weren't what when where whether which while who whom whose why will with within without would wouldn't yes yet you
your yours yourself yourselves s t`;

const STUDY_VOCABULARY = `answer appear appears area areas attribute attributes based believe body choice choose
chose class clear clearly color colors colour colours contain contains definition definitions example examples
feature features focus focused focuses focusing highlight highlighted highlights image images indicate indicates
look looks main mainly mostly near object objects option part parts photo photos picture pictures red region
regions see seems select selected separate shown shows thing things think visual visible also show around mostly
majority background side top bottom left right center centre whole entire portion portions section sections
some many most all got get gets getting addition additionally case compare compared comparing highlighting
concentrate concentrated concentrates surrounding surrounded surrounds adjacent behind lower upper middle constitute
constitutes located present presence related relevant regarding hence given says said describe described describes
description identify identified indeed kind type sort various certain different similar etc obviously well totally
fully completely partially partly entirely definitely probably possibly maybe seem seen showing shown appearing
contained containing including include includes covering covers cover provided provides reason reasons because
therefore since information match matches matching matched way done made make makes present`;

export const STOPWORDS: ReadonlySet<string> = new Set(
  `${ENGLISH} ${STUDY_VOCABULARY}`.split(/\s+/).filter(Boolean),
);
