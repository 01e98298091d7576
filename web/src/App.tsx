/** Routes of the explorer: /, /class/:i, /mode/:group/:leaf, /feature/:j, /compare, /study/:token, /admin. */
import { Link, useLocation } from './router';
import { Overview } from './pages/Overview';
import { ClassPage } from './pages/ClassPage';
import { ModePage } from './pages/ModePage';
import { FeaturePage } from './pages/FeaturePage';
import { ComparePage } from './pages/ComparePage';
import { StudyTask } from './pages/StudyTask';
import { AdminResults } from './pages/AdminResults';

function Page(props: { path: string }) {
  const { path } = props;
  let m: RegExpExecArray | null;
  if (path === '/' || path === '') return <Overview />;
  if ((m = /^\/class\/(\d+)$/.exec(path))) return <ClassPage classIndex={Number(m[1])} />;
  if ((m = /^\/mode\/((?:pred|label)-\d+\/\d+)$/.exec(path))) return <ModePage modeId={m[1]} />;
  if ((m = /^\/feature\/(\d+)$/.exec(path))) return <FeaturePage feature={Number(m[1])} />;
  if (path === '/compare') return <ComparePage />;
  if ((m = /^\/study\/([A-Za-z0-9_-]+)$/.exec(path))) return <StudyTask token={m[1]} />;
  if (path === '/admin') return <AdminResults />;
  return <p className="error">Page not found.</p>;
}

export function App() {
  const { path } = useLocation();
  const annotator = path.startsWith('/study/');
  return (
    <>
      <header>
        {annotator ? (
          <span className="brand">faultline study</span>
        ) : (
          <>
            <Link to="/" className="brand">
              faultline explorer
            </Link>
            <Link to="/admin">study results</Link>
          </>
        )}
      </header>
      <main key={path}>
        <Page path={path} />
      </main>
    </>
  );
}
